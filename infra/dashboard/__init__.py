"""The CloudWatch dashboard of infra/destination-account.yaml drawn as a PNG; ``infra/render_dashboard.py``
is the command, and ``cli``'s docstring its usage.

- ``template``: the dashboard body out of the template, its ``${...}`` placeholders and intrinsic
  functions resolved;
- ``layout``: layout mode, the widgets drawn where the grid puts them, with what they show;
- ``model``: data mode's options and what it collects (series, alarm states, log tables);
- ``cloudwatch``: the widgets' metric lines, and GetMetricData per account;
- ``alarms``: the template's alarms evaluated over the data read;
- ``logs``: a log widget's Logs Insights query run over JSON lines;
- ``data``: ``collect``, every widget with its data;
- ``draw``: the data picture, drawn the way the CloudWatch console draws it;
- ``cli``: the command line.
"""
