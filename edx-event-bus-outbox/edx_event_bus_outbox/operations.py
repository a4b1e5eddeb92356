"""A migration operation that runs the SQL of the database vendor it migrates."""
from django.db import migrations


class VendorRunSQL(migrations.RunSQL):
    """
    ``RunSQL`` with one statement list per database vendor.

    The lists are keyed by ``connection.vendor`` (``sqlite``, ``mysql``, ``postgresql``); another
    vendor is refused, naming the vendors supported.
    """

    def __init__(self, sql, reverse_sql=None, state_operations=None, hints=None, elidable=False):
        """``sql`` and ``reverse_sql``: dicts of vendor to a list of statements."""
        self.vendor_sql = sql
        self.vendor_reverse_sql = reverse_sql
        super().__init__(
            sql=migrations.RunSQL.noop,
            reverse_sql=migrations.RunSQL.noop if reverse_sql is not None else None,
            state_operations=state_operations, hints=hints, elidable=elidable,
        )

    def deconstruct(self):
        """The arguments to rebuild this operation (for squashing)."""
        kwargs = {"sql": self.vendor_sql}
        if self.vendor_reverse_sql is not None:
            kwargs["reverse_sql"] = self.vendor_reverse_sql
        if self.state_operations:
            kwargs["state_operations"] = self.state_operations
        if self.hints:
            kwargs["hints"] = self.hints
        return (self.__class__.__qualname__, [], kwargs)

    @staticmethod
    def _statements(statements, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements:
            raise NotImplementedError(
                f"the eventbus outbox supports the databases {', '.join(sorted(statements))}, not {vendor!r}"
            )
        return statements[vendor]

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        """Create the tables with the vendor's SQL."""
        if self.allow_migrate_model_label(app_label, schema_editor):
            self._run_sql(schema_editor, self._statements(self.vendor_sql, schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        """Drop the tables."""
        if self.vendor_reverse_sql is None:
            raise NotImplementedError("You cannot reverse this operation")
        if self.allow_migrate_model_label(app_label, schema_editor):
            self._run_sql(schema_editor, self._statements(self.vendor_reverse_sql, schema_editor))

    def allow_migrate_model_label(self, app_label, schema_editor):
        """Whether the database router lets this app migrate on the schema editor's alias."""
        from django.db import router  # pylint: disable=import-outside-toplevel
        return router.allow_migrate(schema_editor.connection.alias, app_label, **self.hints)

    def describe(self):
        """For ``migrate --plan``."""
        return "Create the eventbus outbox tables (the Rust relay's SQL)"
