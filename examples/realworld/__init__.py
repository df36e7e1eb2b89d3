"""The RealWorld (Conduit) backend, built only from concepts and synchronizations.

Serve it with ``accord serve examples.realworld.app:app --port 3000 --db realworld.db``;
the API is under ``/api``. See docs/realworld.md.
"""
