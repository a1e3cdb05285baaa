"""The customer's data (GDPR Articles 15, 17 and 20): an export of everything, and erasure of the account."""
