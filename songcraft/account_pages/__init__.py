"""The account pages the app serves itself, for the links in emails when no frontend is configured."""
