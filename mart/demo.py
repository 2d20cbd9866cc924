"""Demo data for ``flask mart seed-demo``. Each domain registers its own seeder."""

_SEEDERS = {}


def register(order, seeder):
    """``seeder(context)`` fills one domain; ``context`` is a dict the seeders share.

    Lower ``order`` runs first (printers 20, inventory 30, members 40, pos 50, rollup 60).
    Registering the same seeder again (a second app in one process) changes nothing.
    """
    _SEEDERS[f"{seeder.__module__}.{seeder.__qualname__}"] = (order, seeder)


def seeders():
    return [s for _, s in sorted(_SEEDERS.values(), key=lambda x: x[0])]
