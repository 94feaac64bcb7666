"""Community pages: finding and running learning teams, the resident's own page, the public
results (public.py); the school's and reviewers' desk: volunteers, hours, learning-organization
scores, nominations (staff.py). Every page works without JavaScript; a refusal is a message,
never a 500."""
