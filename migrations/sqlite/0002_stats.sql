-- market_stats: the columns the original computed but never stored, the walk-forward fold and the
-- time_to_reversal distribution. Booleans are 0/1 integers.
ALTER TABLE market_stats ADD COLUMN p_mean REAL;
ALTER TABLE market_stats ADD COLUMN p_map REAL;
ALTER TABLE market_stats ADD COLUMN hdi_low REAL;
ALTER TABLE market_stats ADD COLUMN hdi_high REAL;
ALTER TABLE market_stats ADD COLUMN lift_freq REAL;
ALTER TABLE market_stats ADD COLUMN lift_bayes REAL;
ALTER TABLE market_stats ADD COLUMN p_value REAL;
ALTER TABLE market_stats ADD COLUMN q_value REAL;
ALTER TABLE market_stats ADD COLUMN significant INTEGER;
ALTER TABLE market_stats ADD COLUMN insufficient INTEGER;
ALTER TABLE market_stats ADD COLUMN fold INTEGER;
ALTER TABLE market_stats ADD COLUMN ttr_mean REAL;
ALTER TABLE market_stats ADD COLUMN ttr_median REAL;
ALTER TABLE market_stats ADD COLUMN ttr_q25 REAL;
ALTER TABLE market_stats ADD COLUMN ttr_q75 REAL;
ALTER TABLE market_stats ADD COLUMN ttr_q90 REAL;
