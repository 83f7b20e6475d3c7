"""DuckDB query files to Spark SQL: sqlglot's transpiler plus the few rewrites it cannot do on its own.

The Spark engine (:mod:`dashboard.sql.spark_engine`) runs the very same ``queries/*.sql``; this module turns
one into Spark SQL once per process. sqlglot (imported here only, never at start-up) reads DuckDB's dialect
and writes Spark's; :data:`REWRITES` lists what is rewritten on the syntax tree before that, because sqlglot
would drop it or write something Spark computes differently. Parameters stay parameters (``$x`` becomes
Spark's ``:x``, bound by name at the call); nothing from a caller is formatted into SQL text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: What the Spark translation rewrites, in one place (see also :data:`dashboard.sql.engine.DIALECT_FEATURES`).
REWRITES: tuple[tuple[str, str], ...] = (
    ("fsum(x)", "CAST(sum(CAST(x AS DECIMAL(38, 12))) AS DOUBLE): an exact sum, so totals do not depend on "
                "the order executors combine rows in (DuckDB: a compensated float sum)"),
    ("sum(x ORDER BY y), avg(x ORDER BY y)",
     "a left fold over the group's (y, x) pairs sorted by y (aggregate(array_sort(collect_list(...)))): the "
     "same additions in the same order as DuckDB's ordered aggregate, so the same bits"),
    ("list(x ORDER BY y)", "transform(array_sort(collect_list(named_struct(y, x))), e -> x): an ordered list"),
    ("len(list)", "size(list) (sqlglot reads len as a string length)"),
    ("HUGEINT", "DECIMAL(38, 0)"),
    ("$list (a list parameter)", "from_json(:list, 'array<string>'): lists are bound as JSON text"),
    ("f() OVER w - x", "(f() OVER w) - x: Spark would read w-x as one (invalid) window name"),
    ("query_table($p)", "a temp view qt_<p>, which the engine points at the relation named by $p"),
    ("string_agg(DISTINCT x, sep ORDER BY x)", "CASE WHEN size(collect_set(x)) = 0 THEN NULL ELSE "
     "array_join(array_sort(collect_set(x)), sep) END: Spark's listagg(DISTINCT ...) WITHIN GROUP beside other "
     "aggregates fails in its optimiser (RewriteDistinctAggregates, ClassCastException)"),
    ("regexp_full_match(s, p)", "s RLIKE concat('^(?:', p, ')$') (the contract's patterns mean the same in "
     "Java's regular expressions)"),
    ("isfinite(x)", "(NOT isnan(x) AND abs(x) < CAST('Infinity' AS DOUBLE)): NULL stays NULL"),
    ("typeof(x)", "upper(typeof(x)), with string as VARCHAR: DuckDB's type names, which the queries test"),
    ("SELECT unnest(a) AS x, unnest(b) AS y ...", "SELECT inline(arrays_zip(a, b, ...)) AS (x, y, ...): Spark "
                                                  "allows one generator per SELECT"),
)

#: Scale of the exact sums: visits carry at most 12 decimals of meaning (a double has ~16 significant digits),
#: and 26 integer digits hold any sum of visits.
SUM_SCALE = 12

_LEN = re.compile(r"\blen\(", re.IGNORECASE)


@dataclass(frozen=True)
class SparkQuery:
    """A query in Spark's dialect; ``table_params`` are the ``query_table($p)`` parameters (views qt_<p>)."""

    sql: str
    table_params: frozenset[str]


def table_view(param: str) -> str:
    """The temp view a ``query_table($param)`` reads on Spark."""
    return f"qt_{param}"


@functools.cache
def to_spark(duckdb_sql: str, json_lists: tuple[tuple[str, str], ...] = ()) -> SparkQuery:
    """One query file's SQL (DuckDB's dialect) in Spark's, with :data:`REWRITES` applied.

    ``json_lists``: (parameter, Spark type) of the list parameters, which the engine binds as JSON text; each
    ``$p`` becomes ``from_json(:p, 'type')``.
    """
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(_LEN.sub("array_length(", duckdb_sql), read="duckdb")
    table_params: set[str] = set()

    def fold(value: exp.Expression, key: exp.Expression) -> exp.Expression:
        """Sum ``value`` over the group in ``key`` order, skipping NULLs as sum does (NULL when none)."""
        pairs = ("filter(array_sort(collect_list(named_struct('k', __key, 'v', CAST(__value AS DOUBLE)))), "
                 "e -> e.v IS NOT NULL)")
        template = sqlglot.parse_one(
            f"CASE WHEN count(__value) = 0 THEN NULL "
            f"ELSE aggregate({pairs}, CAST(0 AS DOUBLE), (acc, e) -> acc + e.v) END", read="spark")
        return _fill(template, key, value)

    lists = dict(json_lists)

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in lists:
            return exp.Anonymous(this="from_json", expressions=[node.copy(), exp.Literal.string(lists[node.name])])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "fsum":
            inner = exp.Sum(this=exp.Cast(this=node.expressions[0],
                                          to=exp.DataType.build(f"DECIMAL(38, {SUM_SCALE})")))
            return exp.Cast(this=inner, to=exp.DataType.build("DOUBLE"))
        if isinstance(node, (exp.Sum, exp.Avg)) and isinstance(node.this, exp.Order):
            value, key = node.this.this, node.this.expressions[0].this
            total = fold(value, key)
            if isinstance(node, exp.Sum):
                return total
            return exp.Div(this=total, expression=exp.Count(this=value.copy()))
        if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
            value, key = node.this.this, node.this.expressions[0].this
            template = sqlglot.parse_one(
                "transform(array_sort(collect_list(named_struct('k', __key, 'v', __value))), e -> e.v)",
                read="spark")
            return _fill(template, key, value)
        if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order) \
                and isinstance(node.this.this, exp.Distinct):
            value = node.this.this.expressions[0]
            template = sqlglot.parse_one(
                "CASE WHEN size(collect_set(__value)) = 0 THEN NULL "
                "ELSE array_join(array_sort(collect_set(__value)), __key) END", read="spark")
            return _fill(template, node.args.get("separator") or exp.Literal.string(","), value)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "isfinite":
            template = sqlglot.parse_one("(NOT isnan(__value) AND abs(__value) < CAST('Infinity' AS DOUBLE))",
                                         read="spark")
            return _fill(template, node.expressions[0], node.expressions[0])
        if isinstance(node, exp.RegexpFullMatch):
            pattern = exp.Concat(expressions=[exp.Literal.string("^(?:"), node.expression.copy(),
                                              exp.Literal.string(")$")])
            return exp.RegexpLike(this=node.this.copy(), expression=pattern)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "typeof" or isinstance(node, exp.Typeof):
            template = sqlglot.parse_one("CASE typeof(__value) WHEN 'string' THEN 'VARCHAR' "
                                         "ELSE upper(typeof(__value)) END", read="spark")
            arg = node.expressions[0] if isinstance(node, exp.Anonymous) else node.this
            return _fill(template, arg, arg)
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
            return exp.DataType.build("DECIMAL(38, 0)")
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous) \
                and node.this.name.lower() == "query_table":
            param = node.this.expressions[0].name
            table_params.add(param)
            return exp.Table(this=exp.to_identifier(table_view(param)), alias=node.args.get("alias"))
        if isinstance(node, exp.Window) and isinstance(node.parent, exp.Binary):
            return exp.Paren(this=node.copy())
        if isinstance(node, exp.Select):
            _zip_generators(node)
        return node

    tree = tree.transform(rewrite)
    return SparkQuery(sql=tree.sql(dialect="spark"), table_params=frozenset(table_params))


def _fill(template, key, value):  # type: ignore[no-untyped-def]
    """``template`` with the columns __key and __value replaced by copies of ``key`` and ``value``."""
    from sqlglot import exp

    def put(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and node.name in ("__key", "__value") and not node.table:
            return (key if node.name == "__key" else value).copy()
        return node

    return template.transform(put)


def _zip_generators(select) -> None:  # type: ignore[no-untyped-def]
    """``SELECT unnest(a) AS x, unnest(b) AS y`` (DuckDB unnests in parallel) as one Spark generator."""
    from sqlglot import exp

    projections = select.expressions
    if len(projections) < 2 or not all(isinstance(p, exp.Alias) and isinstance(p.this, (exp.Unnest, exp.Explode))
                                       for p in projections):
        return
    arrays = [p.this.expressions[0] if isinstance(p.this, exp.Unnest) else p.this.this for p in projections]
    names = [p.alias for p in projections]
    zipped = exp.Anonymous(this="inline", expressions=[exp.Anonymous(this="arrays_zip", expressions=arrays)])
    select.set("expressions", [exp.Aliases(this=zipped, expressions=[exp.to_identifier(n) for n in names])])
