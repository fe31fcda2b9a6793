"""Quick start: everything embedded, nothing to install (SQLite, in-process tasks, console mail)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
