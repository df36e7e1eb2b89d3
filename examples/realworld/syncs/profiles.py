"""Profiles, follow and unfollow."""

from __future__ import annotations

from accord import Var
from examples.realworld.concepts import Following, User
from examples.realworld.syncs._endpoint import Endpoint
from examples.realworld.syncs._views import profile_view

__all__ = ["syncs"]

target, view = Var("target"), Var("view")

show = Endpoint("GET /profiles/{username}")
follow = Endpoint("POST /profiles/{username}/follow")
unfollow = Endpoint("DELETE /profiles/{username}/follow")

syncs = [
    show.sync(
        "GetProfile",
        where=[
            User.by_username(username=show.params["username"]).out(user=target),
            *profile_view(target, show.user, view),
        ],
        then=[show.respond(200, view)],
    ),
    follow.sync(
        "Follow",
        where=[User.by_username(username=follow.params["username"]).out(user=target)],
        then=[Following.follow(follower=follow.user, followee=target)],
    ),
    follow.sync(
        "FollowRespond",
        when=[Following.follow(follower=follow.user).out(followee=target)],
        where=profile_view(target, follow.user, view),
        then=[follow.respond(200, view)],
    ),
    unfollow.sync(
        "Unfollow",
        where=[User.by_username(username=unfollow.params["username"]).out(user=target)],
        then=[Following.unfollow(follower=unfollow.user, followee=target)],
    ),
    unfollow.sync(
        "UnfollowRespond",
        when=[Following.unfollow(follower=unfollow.user).out(followee=target)],
        where=profile_view(target, unfollow.user, view),
        then=[unfollow.respond(200, view)],
    ),
]
