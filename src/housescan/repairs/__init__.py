"""What a repair may cost: the shipped cost guide and the account's regional factor."""
