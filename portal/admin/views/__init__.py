"""Admin screens, one module per area of the domain. Each screen only declares
(columns, labels, filters, lookups); access control lives in ``portal.admin.base``."""
