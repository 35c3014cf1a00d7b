"""govkiosk's benchmarks: `make bench` (`python -m benchmarks.run`).

Results are ratios measured side by side in one run, never absolute targets."""
