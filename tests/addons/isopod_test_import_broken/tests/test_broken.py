# SPDX-License-Identifier: Apache-2.0
import isopod_no_such_module  # noqa: F401  the import fails on purpose
