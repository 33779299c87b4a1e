"""The methods of `SpotClient`, one mixin per area of the endpoint table (`binance_async.spot.endpoints`):
`market`, `trading`, `order_lists`, `account`, and `pagination` (the ``iter_*`` walks over history).
"""
