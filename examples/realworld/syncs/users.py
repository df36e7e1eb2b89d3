"""Registration, login, the current user and its update."""

from __future__ import annotations

from accord import Var, bind, optional, uuid, where
from examples.realworld.concepts import JWT, Password, Profile, User
from examples.realworld.rules import errors
from examples.realworld.syncs._endpoint import Endpoint
from examples.realworld.syncs._views import user_view

__all__ = ["syncs"]

user, username, email, password, token, view = (
    Var("new_user"), Var("username"), Var("email"), Var("password"), Var("issued"), Var("view")
)  # fmt: skip

# -- POST /users: Password, then User, then Profile and a token, then the answer ------------
# The password is set first, under a fresh id: if the username or email is taken, the orphan
# hash is harmless, whereas a user without a password would block the name for good.

register = Endpoint("POST /users")

register_syncs = [
    register.sync(
        "Register",
        where=[bind(user, uuid), register.field(password, "password")],
        then=[Password.set(user=user, password=password)],
    ),
    register.sync(
        "RegisterUser",
        when=[Password.set(user=user).out(user=user)],
        where=[register.field(username, "username"), register.field(email, "email")],
        then=[User.register(user=user, username=username, email=email)],
    ),
    register.sync(
        "RegisterProfileAndToken",
        when=[User.register(user=user).out(user=user)],
        then=[Profile.create(user=user), JWT.generate(user=user)],
    ),
    register.sync(
        "RegisterRespond",
        when=[Profile.create(user=user).out(user=user), JWT.generate(user=user).out(token=token)],
        where=user_view(user, token, view),
        then=[register.respond(201, view)],
    ),
    register.on_error(Password.set),
    register.on_error(User.register),
    register.on_error(Profile.create),
]

# -- POST /users/login ---------------------------------------------------------------------

login = Endpoint("POST /users/login")
known = Var("known")


def _is_none(value: object) -> bool:
    return value is None


def _is_some(value: object) -> bool:
    return value is not None


login_syncs = [
    login.sync(
        "Login",
        where=[
            login.field(email, "email"),
            login.field(password, "password"),
            optional(User.by_email(email=email).out(user=known)),
            where(_is_some, known),
        ],
        then=[Password.check(user=known, password=password)],
    ),
    login.reject(
        "LoginUnknownEmail",
        401,
        "email or password is invalid",
        [
            login.field(email, "email"),
            optional(User.by_email(email=email).out(user=known)),
            where(_is_none, known),
        ],
    ),
    login.sync(
        "LoginIssueToken",
        when=[Password.check(user=known).out(valid=True)],
        then=[JWT.generate(user=known)],
    ),
    login.sync(
        "LoginWrongPassword",
        when=[Password.check(user=known).out(valid=False)],
        where=[bind(view, lambda: errors("email or password is invalid"))],
        then=[login.respond(401, view)],
    ),
    login.sync(
        "LoginRespond",
        when=[
            Password.check(user=known).out(valid=True),
            JWT.generate(user=known).out(token=token),
        ],
        where=user_view(known, token, view),
        then=[login.respond(200, view)],
    ),
]

# -- GET /user -----------------------------------------------------------------------------

current = Endpoint("GET /user")

current_syncs = [
    current.sync(
        "CurrentUser",
        where=user_view(current.user, current.token, view),
        then=[current.respond(200, view)],
    ),
]

# -- PUT /user: [Password], User, Profile, then the answer ---------------------------------

update = Endpoint("PUT /user")
bio, image = Var("bio"), Var("image")
me = update.user

update_syncs = [
    update.sync(
        "UpdateUserPassword",
        where=[update.field(password, "password"), where(_is_some, password)],
        then=[Password.set(user=me, password=password)],
    ),
    update.sync(
        "UpdateUser",
        where=[
            update.field(password, "password"),
            where(_is_none, password),
            update.field(username, "username"),
            update.field(email, "email"),
        ],
        then=[User.update(user=me, username=username, email=email)],
    ),
    update.sync(
        "UpdateUserAfterPassword",
        when=[Password.set(user=me).out(user=me)],
        where=[update.field(username, "username"), update.field(email, "email")],
        then=[User.update(user=me, username=username, email=email)],
    ),
    update.sync(
        "UpdateProfile",
        when=[User.update(user=me).out(user=me)],
        where=[update.field(bio, "bio"), update.field(image, "image")],
        then=[Profile.update(user=me, bio=bio, image=image)],
    ),
    update.sync(
        "UpdateUserRespond",
        when=[Profile.update(user=me).out(user=me)],
        where=user_view(me, update.token, view),
        then=[update.respond(200, view)],
    ),
    update.on_error(Password.set),
    update.on_error(User.update),
]

syncs = [*register_syncs, *login_syncs, *current_syncs, *update_syncs]
