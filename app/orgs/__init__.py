"""Organizations, their locales, members, employees, invitations and audit log."""
