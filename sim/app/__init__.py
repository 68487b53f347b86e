"""The browser page for students: ``diplosim app [SCENARIO]``.

A local web page (Solara) where a scenario is picked from ``scenarios/`` or uploaded,
its parameters and starting state are moved with sliders, and its rounds are stepped or
played, showing each game's matrix with best responses marked (or its tree, or its
bargaining picture), every equilibrium in exact fractions where they are exact, the one
chosen, and the state over time.

The page is an optional extra (``pip install 'diplosim[app]'``): nothing here is
imported by the rest of the package. What the page shows and does is computed by
:mod:`sim.app.session` and :mod:`sim.app.views`, plain Python that is tested without a
browser; :mod:`sim.app.page` only lays it out, :mod:`sim.app.server` serves it on
127.0.0.1, and :mod:`sim.app.assets` puts the page's scripts where the server finds them
without the internet.
"""
