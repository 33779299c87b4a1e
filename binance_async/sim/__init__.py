"""An embedded Binance: a real HTTP server on 127.0.0.1 for examples, tests and benchmarks."""
