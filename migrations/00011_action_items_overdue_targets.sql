-- +goose Up
-- Default tier targets of action_items_overdue (docs/metrics.md, "Overdue
-- action items"): no action item open past its due date, in every tier. A
-- count target is compared with a tier roll-up's count too, and 0 is the
-- one target that means the same for one service and for the sum of a
-- tier's services; admins raise it per tier on /settings.
INSERT INTO tier_targets (tier, kpi, target, direction) VALUES
 (0,'action_items_overdue',0,'max'), (1,'action_items_overdue',0,'max'), (2,'action_items_overdue',0,'max'), (3,'action_items_overdue',0,'max');

-- +goose Down
DELETE FROM tier_targets WHERE kpi = 'action_items_overdue';
