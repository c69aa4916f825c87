"""What an Ibis expression reads from outside the database: Python data and functions
that Ibis registers with the engine before a query runs."""

from __future__ import annotations

import ibis.expr.operations as ops
from ibis.expr.operations.udf import InputType

# what Ibis's hooks before a query look for: Python data and functions to register first
# (jejak's own functions are DuckDB's, builtin: nothing to register)
OUTSIDE = (ops.InMemoryTable, ops.ScalarUDF, ops.GeoSpatialUnOp, ops.GeoSpatialBinOp)


def from_outside(node: ops.Node) -> bool:
    """Whether ``node`` (one of :data:`OUTSIDE`) needs something registered first."""
    return not isinstance(node, ops.ScalarUDF) or node.__input_type__ is not InputType.BUILTIN
