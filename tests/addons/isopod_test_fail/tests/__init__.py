# SPDX-License-Identifier: Apache-2.0
from . import test_fail
