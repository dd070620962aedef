-- market_stats: the columns the original computed but never stored, the walk-forward fold and the
-- time_to_reversal distribution. Booleans are 0/1 integers.
ALTER TABLE market_stats
    ADD COLUMN p_mean DOUBLE NULL,
    ADD COLUMN p_map DOUBLE NULL,
    ADD COLUMN hdi_low DOUBLE NULL,
    ADD COLUMN hdi_high DOUBLE NULL,
    ADD COLUMN lift_freq DOUBLE NULL,
    ADD COLUMN lift_bayes DOUBLE NULL,
    ADD COLUMN p_value DOUBLE NULL,
    ADD COLUMN q_value DOUBLE NULL,
    ADD COLUMN significant BIGINT NULL,
    ADD COLUMN insufficient BIGINT NULL,
    ADD COLUMN fold BIGINT NULL,
    ADD COLUMN ttr_mean DOUBLE NULL,
    ADD COLUMN ttr_median DOUBLE NULL,
    ADD COLUMN ttr_q25 DOUBLE NULL,
    ADD COLUMN ttr_q75 DOUBLE NULL,
    ADD COLUMN ttr_q90 DOUBLE NULL;
