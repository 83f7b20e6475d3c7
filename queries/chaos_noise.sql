-- Chaos: multiplicative lognormal noise with mean 1 on the selected rows' visits, deterministic per
-- ($seed, place_id, date, source, segment): the same seed gives the same numbers.
-- params: input, places, source, regions, start, until, seed, sigma
-- reads: query_table($input) (visits-shaped), query_table($places) (places, for the region filter)
-- $sigma = sqrt(ln(1 + cv^2)); multiplier = exp(sigma * z - sigma^2 / 2), z standard normal by Box-Muller
-- from the two 32-bit halves of hash(seed, key). raw_visits (the observed panel) stay as they are.
WITH v AS (
    SELECT v.*,
        ($source = '' OR v.source = $source)
        AND v.date BETWEEN $start AND $until
        AND (len($regions) = 0 OR v.place_id IN (
            SELECT p.place_id FROM query_table($places) AS p WHERE list_contains($regions, p.region)))
        AS hit,
        hash($seed, v.place_id, v.date, v.source, v.segment) AS k
    FROM query_table($input) AS v
),
u AS (
    SELECT *,
        (CAST(k >> 32 AS DOUBLE) + 0.5) / 4294967296.0 AS u1,
        (CAST(k & 4294967295 AS DOUBLE) + 0.5) / 4294967296.0 AS u2
    FROM v
)
SELECT place_id, date, source,
    CASE WHEN hit
        THEN visits * exp($sigma * sqrt(-2.0 * ln(u1)) * cos(2.0 * pi() * u2) - $sigma * $sigma / 2.0)
        ELSE visits
    END AS visits,
    raw_visits, segment
FROM u
