"""The keyword options of the order methods, typed, and their checks before sending: `trading`
(single orders) and `order_lists`."""
