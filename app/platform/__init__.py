"""Platform-wide reference data: locales, currencies, countries, SEO metadata, skills, email outbox."""
