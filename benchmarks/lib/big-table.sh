# make_big_table DB ROWS: public.big with ROWS rows and 30 float8 features plus "Class", made by
# tiling the bundled credit-card sample with ±0.5 % multiplicative noise (seeded).
make_big_table() {
    local db=$1 rows=$2 repeats features
    repeats=$(( (rows + 5098) / 5099 ))
    psql "$db" -q -o /dev/null -f data/creditcard_sample.sql
    psql "$db" -qc "\\copy public.creditcard FROM 'data/creditcard_sample.csv' (FORMAT csv, HEADER)"
    features=$(psql "$db" -Atc "SELECT string_agg(format('%I * (1 + 0.01 * (random() - 0.5)) AS %I', attname, attname), ', ' ORDER BY attnum)
                                 FROM pg_attribute WHERE attrelid = 'public.creditcard'::regclass AND attnum > 1 AND attname <> 'Class'")
    psql "$db" -q -o /dev/null <<SQL
SELECT setseed(0.42);
DROP TABLE IF EXISTS public.big CASCADE;
CREATE TABLE public.big AS
SELECT row_number() OVER (ORDER BY t, c.id)::bigint AS id, $features, c."Class"
  FROM generate_series(0, $repeats - 1) AS t CROSS JOIN public.creditcard c
 LIMIT $rows;
ALTER TABLE public.big ADD PRIMARY KEY (id);
VACUUM ANALYZE public.big;
SQL
}

# big_feature_list DB: the 30 feature columns of public.big as float8 expressions.
big_feature_list() {
    psql "$1" -Atc "SELECT string_agg(format('%I::float8', attname), ', ' ORDER BY attnum) FROM pg_attribute
                    WHERE attrelid = 'public.big'::regclass AND attnum > 1 AND attname <> 'Class' AND NOT attisdropped"
}
