"""Demo data for ``flask mart seed-demo``. Each domain registers its own seeder on the
app (``app.extensions["mart_seeders"]``), in its ``init_app``."""


def register(app, order, seeder):
    """``seeder(context)`` fills one domain; ``context`` is a dict the seeders share.

    Lower ``order`` runs first (printers 20, inventory 30, members 40, pos 50, rollup 60).
    Registering the same seeder again (a second app in one process) changes nothing.
    """
    seeders_of = app.extensions.setdefault("mart_seeders", {})
    seeders_of[f"{seeder.__module__}.{seeder.__qualname__}"] = (order, seeder)


def seeders(app):
    found = app.extensions.get("mart_seeders", {}).values()
    return [s for _, s in sorted(found, key=lambda x: x[0])]
