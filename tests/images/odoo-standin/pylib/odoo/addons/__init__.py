# SPDX-License-Identifier: Apache-2.0
"""odoo.addons: the stand-in sets __path__ to the addons path (odoo -> addons_paths)."""
__path__ = []  # noqa: F811  filled in by the stand-in before the tests are imported
