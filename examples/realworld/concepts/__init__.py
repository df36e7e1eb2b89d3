"""Conduit's concepts. Each module is independent: none imports another."""

from examples.realworld.concepts.article import Article
from examples.realworld.concepts.commenting import Commenting
from examples.realworld.concepts.favoriting import Favoriting
from examples.realworld.concepts.following import Following
from examples.realworld.concepts.json_web_token import JWT
from examples.realworld.concepts.password import Password
from examples.realworld.concepts.profile import Profile
from examples.realworld.concepts.tagging import Tagging
from examples.realworld.concepts.user import User

__all__ = [
    "JWT",
    "Article",
    "Commenting",
    "Favoriting",
    "Following",
    "Password",
    "Profile",
    "Tagging",
    "User",
]
