"""Profiles, follow and unfollow."""

from __future__ import annotations

from tests.examples.realworld.support import Conduit, auth


async def test_a_guest_sees_a_profile_not_followed(conduit: Conduit) -> None:
    await conduit.register("celeb")
    response = await conduit.client.get("/profiles/celeb")
    assert response.status_code == 200
    assert response.json() == {
        "profile": {"username": "celeb", "bio": None, "image": None, "following": False}
    }


async def test_unknown_profiles_are_404(conduit: Conduit) -> None:
    token = await conduit.register("fan")
    assert (await conduit.client.get("/profiles/ghost")).status_code == 404
    follow = await conduit.client.post("/profiles/ghost/follow", headers=auth(token))
    assert follow.status_code == 404
    assert follow.json() == {"errors": {"profile": ["not found"]}}


async def test_follow_and_unfollow_change_what_the_follower_sees(conduit: Conduit) -> None:
    await conduit.register("celeb")
    fan = await conduit.register("fan")
    other = await conduit.register("other")
    followed = await conduit.client.post("/profiles/celeb/follow", headers=auth(fan))
    assert followed.status_code == 200 and followed.json()["profile"]["following"] is True
    as_fan = await conduit.client.get("/profiles/celeb", headers=auth(fan))
    as_other = await conduit.client.get("/profiles/celeb", headers=auth(other))
    assert as_fan.json()["profile"]["following"] is True
    assert as_other.json()["profile"]["following"] is False
    again = await conduit.client.post("/profiles/celeb/follow", headers=auth(fan))
    assert again.json()["profile"]["following"] is True
    unfollowed = await conduit.client.delete("/profiles/celeb/follow", headers=auth(fan))
    assert unfollowed.status_code == 200 and unfollowed.json()["profile"]["following"] is False


async def test_following_needs_a_signed_in_user(conduit: Conduit) -> None:
    await conduit.register("celeb")
    assert (await conduit.client.post("/profiles/celeb/follow")).status_code == 401
    assert (await conduit.client.delete("/profiles/celeb/follow")).status_code == 401
