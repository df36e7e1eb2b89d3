"""Registration, login, the current user and its update."""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind, optional, uuid, where
from examples.realworld.concepts import JWT, Password, Profile, User
from examples.realworld.rules import ROUTE, errors
from examples.realworld.syncs._answers import caller, on, on_error, reject, respond, token
from examples.realworld.syncs._views import user_view

__all__ = ["syncs"]

user, username, email, password, issued, view = (
    Var("new_user"),
    Var("username"),
    Var("email"),
    Var("password"),
    Var("issued"),
    Var("view"),
)

# -- POST /users: Password, then User, then Profile and a token, then the answer ------------
# The password is set first, under a fresh id: if the username or email is taken, the orphan
# hash is harmless, whereas a user without a password would block the name for good.

register = ROUTE["POST /users"]

register_syncs = [
    Sync(
        "Register",
        when=[on(register, body={"password": password})],
        where=[bind(user, uuid)],
        then=[Password.set(user=user, password=password)],
    ),
    Sync(
        "RegisterUser",
        when=[
            on(register, body={"username": username, "email": email}),
            Password.set(user=user).out(user=user),
        ],
        then=[User.register(user=user, username=username, email=email)],
    ),
    Sync(
        "RegisterProfileAndToken",
        when=[on(register), User.register(user=user).out(user=user)],
        then=[Profile.create(user=user), JWT.generate(user=user)],
    ),
    Sync(
        "RegisterRespond",
        when=[
            on(register),
            Profile.create(user=user).out(user=user),
            JWT.generate(user=user).out(token=issued),
        ],
        where=user_view(user, issued, view),
        then=[respond(201, view)],
    ),
    on_error("RegisterPasswordFailed", register, Password.set),
    on_error("RegisterUserFailed", register, User.register),
    on_error("RegisterProfileFailed", register, Profile.create),
]

# -- POST /users/login ---------------------------------------------------------------------

login = ROUTE["POST /users/login"]
known = Var("known")


def _is_none(value: object) -> bool:
    return value is None


def _is_some(value: object) -> bool:
    return value is not None


def _invalid() -> Any:
    return errors("email or password", "is invalid")


login_syncs = [
    Sync(
        "Login",
        when=[on(login, body={"email": email, "password": password})],
        where=[optional(User.by_email(email=email).out(user=known)), where(_is_some, known)],
        then=[Password.check(user=known, password=password)],
    ),
    reject(
        "LoginUnknownEmail",
        login,
        401,
        "email or password",
        "is invalid",
        [optional(User.by_email(email=email).out(user=known)), where(_is_none, known)],
        body={"email": email},
    ),
    Sync(
        "LoginIssueToken",
        when=[on(login), Password.check(user=known).out(valid=True)],
        then=[JWT.generate(user=known)],
    ),
    Sync(
        "LoginWrongPassword",
        when=[on(login), Password.check(user=known).out(valid=False)],
        where=[bind(view, _invalid)],
        then=[respond(401, view)],
    ),
    Sync(
        "LoginRespond",
        when=[
            on(login),
            Password.check(user=known).out(valid=True),
            JWT.generate(user=known).out(token=issued),
        ],
        where=user_view(known, issued, view),
        then=[respond(200, view)],
    ),
]

# -- GET /user -----------------------------------------------------------------------------

current = ROUTE["GET /user"]

current_syncs = [
    Sync(
        "CurrentUser",
        when=[on(current, caller=caller, token=token)],
        where=user_view(caller, token, view),
        then=[respond(200, view)],
    ),
]

# -- PUT /user: [Password], User, Profile, then the answer ---------------------------------

update = ROUTE["PUT /user"]
bio, image = Var("bio"), Var("image")

update_syncs = [
    Sync(
        "UpdateUserPassword",
        when=[on(update, body={"password": password}, caller=caller)],
        where=[where(_is_some, password)],
        then=[Password.set(user=caller, password=password)],
    ),
    Sync(
        "UpdateUser",
        when=[
            on(update, body={"password": None, "username": username, "email": email}, caller=caller)
        ],
        then=[User.update(user=caller, username=username, email=email)],
    ),
    Sync(
        "UpdateUserAfterPassword",
        when=[
            on(update, body={"username": username, "email": email}, caller=caller),
            Password.set(user=caller).out(user=caller),
        ],
        then=[User.update(user=caller, username=username, email=email)],
    ),
    Sync(
        "UpdateProfile",
        when=[
            on(update, body={"bio": bio, "image": image}, caller=caller),
            User.update(user=caller).out(user=caller),
        ],
        then=[Profile.update(user=caller, bio=bio, image=image)],
    ),
    Sync(
        "UpdateUserRespond",
        when=[on(update, caller=caller, token=token), Profile.update(user=caller).out(user=caller)],
        where=user_view(caller, token, view),
        then=[respond(200, view)],
    ),
    on_error("UpdateUserPasswordFailed", update, Password.set),
    on_error("UpdateUserFailed", update, User.update),
]

syncs = [*register_syncs, *login_syncs, *current_syncs, *update_syncs]
