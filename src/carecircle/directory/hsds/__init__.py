"""Open Referral HSDS 3.0: serialization, import and export."""
