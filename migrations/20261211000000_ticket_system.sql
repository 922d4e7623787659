-- Which ticket system an item's ticket lives in (issue 23's acid test):
-- none until someone says.
ALTER TABLE remediation_items
    ADD COLUMN ticket_system text CHECK (ticket_system IN ('jira', 'github', 'servicenow', 'linear', 'other'));
