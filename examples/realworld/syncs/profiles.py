"""Profiles, follow and unfollow."""

from __future__ import annotations

from accord import Sync, Var
from examples.realworld.concepts import Following, User
from examples.realworld.rules import ROUTE
from examples.realworld.syncs._answers import caller, on, respond
from examples.realworld.syncs._views import profile_view

__all__ = ["syncs"]

name, target, view = Var("username"), Var("target"), Var("view")

show = ROUTE["GET /profiles/{username}"]
follow = ROUTE["POST /profiles/{username}/follow"]
unfollow = ROUTE["DELETE /profiles/{username}/follow"]

syncs = [
    Sync(
        "GetProfile",
        when=[on(show, params={"username": name}, caller=caller)],
        where=[
            User.by_username(username=name).out(user=target),
            *profile_view(target, caller, view),
        ],
        then=[respond(200, view)],
    ),
    Sync(
        "Follow",
        when=[on(follow, params={"username": name}, caller=caller)],
        where=[User.by_username(username=name).out(user=target)],
        then=[Following.follow(follower=caller, followee=target)],
    ),
    Sync(
        "FollowRespond",
        when=[on(follow, caller=caller), Following.follow(follower=caller).out(followee=target)],
        where=profile_view(target, caller, view),
        then=[respond(200, view)],
    ),
    Sync(
        "Unfollow",
        when=[on(unfollow, params={"username": name}, caller=caller)],
        where=[User.by_username(username=name).out(user=target)],
        then=[Following.unfollow(follower=caller, followee=target)],
    ),
    Sync(
        "UnfollowRespond",
        when=[
            on(unfollow, caller=caller),
            Following.unfollow(follower=caller).out(followee=target),
        ],
        where=profile_view(target, caller, view),
        then=[respond(200, view)],
    ),
]
