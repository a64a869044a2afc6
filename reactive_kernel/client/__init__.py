"""Programs that drive a reactive kernel over the Jupyter protocol. Never imports ``reactive_kernel.kernel``."""
