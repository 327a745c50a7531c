-- Invoice lines per charging mode (owner: invoicing): a line is one service in one charging mode (1
-- yearly/monthly, 3 on-demand, 10 reserved instance, 11 savings plan, 0 other), so a document shows a subtotal
-- per charging mode. NULL marks lines issued before this column: corrections compare those per service.
ALTER TABLE marts.invoice_lines ADD COLUMN IF NOT EXISTS charging_mode INTEGER;
COMMENT ON COLUMN marts.invoice_lines.charging_mode IS
    'Charging mode of the line (1 yearly/monthly, 3 on-demand, 10 RI, 11 savings plan, 0 other); NULL: issued before lines had one';
