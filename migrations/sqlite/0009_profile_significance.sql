-- Significance of each stored seasonality bin (issue 25): the bin's test statistic against its symbol's baseline,
-- its two-sided p-value, the Benjamini-Hochberg q-value across the (symbol, dim) bins and the share of calendar
-- years whose lift has the overall lift's sign; NULL for rows stored before this migration.
ALTER TABLE seasonality_profiles ADD COLUMN t_stat REAL;
ALTER TABLE seasonality_profiles ADD COLUMN p_value REAL;
ALTER TABLE seasonality_profiles ADD COLUMN q_value REAL;
ALTER TABLE seasonality_profiles ADD COLUMN years_same_sign REAL;
