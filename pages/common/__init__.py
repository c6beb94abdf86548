"""UI helpers shared by the pages: cached loaders, the sidebar, charts and exports."""
