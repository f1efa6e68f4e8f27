"""Platform-wide reference data: locales, currencies (which are active), countries, SEO metadata, skills,
email outbox."""
