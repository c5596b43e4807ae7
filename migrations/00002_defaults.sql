-- +goose Up
-- Default tier targets (docs/metrics.md, "Targets"). Tier 0 is the strictest.
-- direction 'min': the value must be at least the target; 'max': at most.
INSERT INTO tier_targets (tier, kpi, target, direction) VALUES
 (0,'availability',0.9999,'min'), (1,'availability',0.999,'min'), (2,'availability',0.995,'min'), (3,'availability',0.99,'min'),
 (0,'slo_attainment',0.99,'min'), (1,'slo_attainment',0.97,'min'), (2,'slo_attainment',0.95,'min'), (3,'slo_attainment',0.90,'min'),
 (0,'mttr_minutes',30,'max'), (1,'mttr_minutes',60,'max'), (2,'mttr_minutes',240,'max'), (3,'mttr_minutes',1440,'max'),
 (0,'mttd_minutes',5,'max'), (1,'mttd_minutes',10,'max'), (2,'mttd_minutes',30,'max'), (3,'mttd_minutes',60,'max'),
 (0,'mtta_minutes',5,'max'), (1,'mtta_minutes',10,'max'), (2,'mtta_minutes',15,'max'), (3,'mtta_minutes',30,'max'),
 (0,'ttm_minutes',30,'max'), (1,'ttm_minutes',60,'max'), (2,'ttm_minutes',120,'max'), (3,'ttm_minutes',480,'max'),
 (0,'change_failure_rate',0.10,'max'), (1,'change_failure_rate',0.15,'max'), (2,'change_failure_rate',0.20,'max'), (3,'change_failure_rate',0.30,'max'),
 (0,'repeat_incident_rate',0.10,'max'), (1,'repeat_incident_rate',0.15,'max'), (2,'repeat_incident_rate',0.20,'max'), (3,'repeat_incident_rate',0.25,'max'),
 (0,'alert_noise_ratio',0.20,'max'), (1,'alert_noise_ratio',0.30,'max'), (2,'alert_noise_ratio',0.40,'max'), (3,'alert_noise_ratio',0.50,'max'),
 (0,'postmortem_on_time_rate',0.95,'min'), (1,'postmortem_on_time_rate',0.90,'min'), (2,'postmortem_on_time_rate',0.80,'min'), (3,'postmortem_on_time_rate',0.70,'min'),
 (0,'action_item_on_time_rate',0.90,'min'), (1,'action_item_on_time_rate',0.80,'min'), (2,'action_item_on_time_rate',0.70,'min'), (3,'action_item_on_time_rate',0.60,'min'),
 (0,'toil_ratio',0.30,'max'), (1,'toil_ratio',0.40,'max'), (2,'toil_ratio',0.50,'max'), (3,'toil_ratio',0.50,'max');

-- DORA bands derived from the 2023 Accelerate State of DevOps report clusters.
-- change_failure_rate: fraction, value <= threshold is in the band.
-- lead_time_hours, recovery_hours: value < threshold is in the band.
-- deploy_frequency: elite/high thresholds are median deploy-days per week (>=),
-- medium is median deploy-days per month (>=).
INSERT INTO dora_bands (metric, band, threshold) VALUES
 ('change_failure_rate','elite',0.05), ('change_failure_rate','high',0.10), ('change_failure_rate','medium',0.15),
 ('lead_time_hours','elite',24), ('lead_time_hours','high',168), ('lead_time_hours','medium',720),
 ('recovery_hours','elite',1), ('recovery_hours','high',24), ('recovery_hours','medium',168),
 ('deploy_frequency','elite',5), ('deploy_frequency','high',1), ('deploy_frequency','medium',1);

-- +goose Down
DELETE FROM dora_bands;
DELETE FROM tier_targets;
