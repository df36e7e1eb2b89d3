"""Users and authentication: registration, login, current user, update."""

from __future__ import annotations

from tests.examples.realworld.support import Conduit, auth


async def test_registration_answers_201_with_the_user_and_a_working_token(conduit: Conduit) -> None:
    response = await conduit.client.post(
        "/users", json={"user": {"username": "jake", "email": "jake@jake.jake", "password": "pw1"}}
    )
    assert response.status_code == 201
    user = response.json()["user"]
    assert {k: user[k] for k in ("username", "email", "bio", "image")} == {
        "username": "jake",
        "email": "jake@jake.jake",
        "bio": None,
        "image": None,
    }
    me = await conduit.client.get("/user", headers=auth(user["token"]))
    assert me.status_code == 200 and me.json()["user"]["username"] == "jake"


async def test_taken_username_or_email_is_409_naming_the_field(conduit: Conduit) -> None:
    await conduit.register("jake")
    again = await conduit.client.post(
        "/users", json={"user": {"username": "jake", "email": "other@x.io", "password": "pw"}}
    )
    assert again.status_code == 409
    assert again.json() == {"errors": {"username": ["has already been taken"]}}
    same_email = await conduit.client.post(
        "/users", json={"user": {"username": "jim", "email": "JAKE@example.com", "password": "pw"}}
    )
    assert same_email.status_code == 409
    assert same_email.json() == {"errors": {"email": ["has already been taken"]}}


async def test_malformed_registrations_are_422_naming_the_field(conduit: Conduit) -> None:
    cases = [
        ({"user": {"email": "a@b.c", "password": "pw"}}, {"username": ["is required"]}),
        (
            {"user": {"username": "a", "email": "a@b.c", "password": ""}},
            {"password": ["can't be blank"]},
        ),
        (
            {"user": {"username": "", "email": "a@b.c", "password": "x"}},
            {"username": ["can't be blank"]},
        ),
        ({"user": {"username": "a", "email": "nope", "password": "x"}}, {"email": ["is invalid"]}),
        (
            {"user": {"username": 5, "email": "a@b.c", "password": "x"}},
            {"username": ["must be a string"]},
        ),
        (
            {"user": {}},
            {"username": ["is required"], "email": ["is required"], "password": ["is required"]},
        ),
        ({"user": "jake"}, {"user": ['is required: send {"user": {...}}']}),
        ([1, 2], {"user": ['is required: send {"user": {...}}']}),
    ]
    for body, errors in cases:
        response = await conduit.client.post("/users", json=body)
        assert response.status_code == 422, body
        assert response.json() == {"errors": errors}, body
    # Nothing half-made is left behind: the name of a failed registration is still free.
    await conduit.register("a")


async def test_login_checks_the_password_and_answers_401_when_wrong(conduit: Conduit) -> None:
    await conduit.register("ann", password="right-pw")
    ok = await conduit.client.post(
        "/users/login", json={"user": {"email": "ANN@example.com", "password": "right-pw"}}
    )
    assert ok.status_code == 200 and ok.json()["user"]["username"] == "ann"
    assert (await conduit.client.get("/user", headers=auth(ok.json()["user"]["token"]))).is_success
    for email, password in (("ann@example.com", "wrong"), ("nobody@example.com", "right-pw")):
        bad = await conduit.client.post(
            "/users/login", json={"user": {"email": email, "password": password}}
        )
        assert bad.status_code == 401
        assert bad.json() == {"errors": {"email or password": ["is invalid"]}}
    missing = await conduit.client.post("/users/login", json={"user": {"email": "ann@example.com"}})
    assert missing.status_code == 422
    assert missing.json() == {"errors": {"password": ["is required"]}}


async def test_current_user_needs_a_valid_token(conduit: Conduit) -> None:
    token = await conduit.register("cat")
    assert (await conduit.client.get("/user")).status_code == 401
    assert (await conduit.client.get("/user", headers=auth("not.a.jwt"))).status_code == 401
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await conduit.client.get("/user", headers=auth(tampered))).status_code == 401
    bearer = await conduit.client.get("/user", headers=auth(token, "Bearer"))
    assert bearer.status_code == 200 and bearer.json()["user"]["token"] == token


async def test_update_changes_fields_and_the_password(conduit: Conduit) -> None:
    token = await conduit.register("dan", password="old-pw")
    changes = {"email": "dan2@example.com", "bio": "I like to skate", "image": "https://i.io/d.png"}
    response = await conduit.client.put("/user", json={"user": changes}, headers=auth(token))
    assert response.status_code == 200
    user = response.json()["user"]
    assert {k: user[k] for k in changes} == changes and user["username"] == "dan"
    renamed = await conduit.client.put(
        "/user", json={"user": {"username": "daniel", "password": "new-pw"}}, headers=auth(token)
    )
    assert renamed.status_code == 200 and renamed.json()["user"]["username"] == "daniel"
    old = await conduit.client.post(
        "/users/login", json={"user": {"email": "dan2@example.com", "password": "old-pw"}}
    )
    new = await conduit.client.post(
        "/users/login", json={"user": {"email": "dan2@example.com", "password": "new-pw"}}
    )
    assert (old.status_code, new.status_code) == (401, 200)
    profile = await conduit.client.get("/profiles/daniel")
    assert profile.json()["profile"]["bio"] == "I like to skate"


async def test_update_rejects_taken_names_empty_changes_and_guests(conduit: Conduit) -> None:
    await conduit.register("eve")
    token = await conduit.register("fay")
    taken = await conduit.client.put(
        "/user", json={"user": {"username": "eve"}}, headers=auth(token)
    )
    assert taken.status_code == 409
    assert taken.json() == {"errors": {"username": ["has already been taken"]}}
    empty = await conduit.client.put("/user", json={"user": {}}, headers=auth(token))
    assert empty.status_code == 422
    guest = await conduit.client.put("/user", json={"user": {"bio": "x"}})
    assert guest.status_code == 401
    me = await conduit.client.get("/user", headers=auth(token))
    assert me.json()["user"]["username"] == "fay"
