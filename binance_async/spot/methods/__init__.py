"""The methods of `SpotClient`, one mixin per area of the endpoint table (`binance_async.spot.endpoints`):
`market`, `trading`, `order_lists`, `account`, and `pagination` (the ``iter_*`` walks over history).

``symbol_rules`` and the ``validate=`` of the order methods come from `binance_async.spot.rules.cache`
(`RulesMixin`), next to the cache they read.
"""
