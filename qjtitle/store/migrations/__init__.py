"""Alembic's migration environment for qjtitle, shipped inside the package (see :mod:`qjtitle.store.schema`).

``env.py`` runs on the connection that :func:`qjtitle.store.schema.upgrade` hands it; the
revisions are in ``versions/``, named ``NNNN_what.py`` with revision ids ``NNNN``. To add
one: copy the latest, set ``revision`` and ``down_revision``, write ``upgrade()`` with
``op.batch_alter_table`` for changes SQLite cannot ``ALTER`` (it copies the table: an
append-only table then needs its triggers again, :func:`qjtitle.store.create_append_only`),
update the models, and raise :data:`qjtitle.store.schema.HEAD`.
"""
