# SPDX-License-Identifier: Apache-2.0
{"name": "isopod_test_error", "version": "1.0", "depends": ["base"], "license": "LGPL-3", "installable": True}
