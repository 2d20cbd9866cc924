"""Werkzeug's URL builders made once per process, not once per app.

The suite makes an app per test (about a thousand a run). Of the 0,17 s of CPU that
``create_app`` costs, two thirds went to werkzeug compiling, for each of the app's
~260 URL rules, two Python functions (the rule's URL builders) from a syntax tree:
the same functions for the same rule in every app. They depend only on the rule's
text, its parsed parts and defaults and whether unknown arguments are appended; the
converters they call are the rule's own, passed in when the builder is bound to it.
So the tests keep each one compiled once (measured: 0,166 s of CPU per app before,
0,056 s after). The application itself makes one app per process and is untouched.
"""

from werkzeug.routing import rules

_compile_builder = rules.Rule._compile_builder
_builders: dict = {}


def _cached_compile_builder(self, append_unknown=True):
    defaults = self.defaults or {}
    key = (
        self.rule,
        self.subdomain,
        self.host,
        self.merge_slashes,
        tuple(self._trace),
        repr(sorted(defaults.items())),
        append_unknown,
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    rules.Rule._compile_builder = _cached_compile_builder
