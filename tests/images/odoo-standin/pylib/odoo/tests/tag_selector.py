# SPDX-License-Identifier: Apache-2.0
"""odoo.tests.tag_selector of the stand-in: --test-tags as Odoo 17/18 reads it.

A spec is comma-separated filters [-|+][tag][/module][:class][.method]:
- '-' excludes what the filter matches, otherwise it is included;
- an included filter without a tag means the tag 'standard'; '*' (or no
  tag in an excluded filter) means any tag;
- a test is selected when no excluded filter matches it and at least one
  included filter does; a spec of excludes only includes 'standard';
- a test's tags are its test_tags plus its module's name; a test without
  test_tags (not an odoo.tests case) is never selected;
- /module may name a file instead ('/mod/tests/test_x.py'); a [params]
  suffix is accepted and ignored (the stand-in has no parametric tests);
- a filter that does not parse: ERROR "Invalid tag %s", and it is ignored.
"""
import logging
import re

_logger = logging.getLogger(__name__)

_FILTER = re.compile(r"""^
    ([+-]?)                     # sign
    (\*|\w*)                    # tag
    (?:/([\w/]*(?:\.py)?))?     # module, or a file path
    (?::(\w*))?                 # class
    (?:\.(\w*))?                # method
    (?:\[(.*)\])?               # parameters
    $""", re.VERBOSE)


class TagsSelector:
    def __init__(self, spec):
        self.include, self.exclude = set(), set()
        for part in re.split(r",(?![^\[]*\])", spec or ""):
            part = part.strip()
            if not part:
                continue
            m = _FILTER.match(part)
            if not m:
                _logger.error("Invalid tag %s", part)
                continue
            sign, tag, module, klass, method, _params = m.groups()
            if not tag and sign != "-":
                tag = "standard"
            elif not tag or tag == "*":
                tag = None
            path = None
            if module and module.endswith(".py"):
                path, module = module[:-3].replace("/", "."), None
            (self.exclude if sign == "-" else self.include).add((tag, module, klass, method, path))
        if self.exclude and not self.include:
            self.include.add(("standard", None, None, None, None))

    @staticmethod
    def _matches(test, flt):
        tag, module, klass, method, path = flt
        if tag and tag not in test.test_tags | {test.test_module}:
            return False
        if path:
            return test.__module__.endswith(path) and _rest(test, klass, method)
        if module and module != test.test_module:
            return False
        return _rest(test, klass, method)

    def check(self, test):
        if not hasattr(test, "test_tags"):
            return False
        if any(self._matches(test, f) for f in self.exclude):
            return False
        return any(self._matches(test, f) for f in self.include)


def _rest(test, klass, method):
    if klass and klass != test.test_class:
        return False
    return not (method and method != test._testMethodName)
