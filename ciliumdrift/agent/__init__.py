"""The model of the Cilium agent: what a declared config makes the agent do.

``fact`` (the fact unit), ``facts`` (every config-determined status line), ``settings``
(Helm values to the agent's settings), ``decide`` (runtime decisions several facts share),
``explain`` (the vocabulary of causes and fixes, and the explanation of a drift), ``keys``
(keys the chart ignores), ``tables`` (the data tables) and ``docs`` (the fact
documentation). The stages that run the model live beside it: ``ciliumdrift.derive``
(expectations per node) and ``ciliumdrift.compare`` (verdicts and findings).
"""
