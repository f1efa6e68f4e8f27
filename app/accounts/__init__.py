"""Platform identity: users, their main and job profiles, skills and locale preferences."""
