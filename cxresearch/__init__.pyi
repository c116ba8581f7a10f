"""Type stub of the flat public namespace (the names of ``cxresearch.__all__``).

Generated from ``_API`` in ``__init__.py``; tests/test_environment.py checks they agree.
"""

__version__: str

from cxresearch.codebooks.draft import check_codebook as check_codebook
from cxresearch.codebooks.draft import draft_codebook as draft_codebook
from cxresearch.codebooks.instrument import Instrument as Instrument
from cxresearch.codebooks.instrument import load_instrument as load_instrument
from cxresearch.intake.ingestion import ingest as ingest
from cxresearch.intake.opening import open_wave as open_wave
from cxresearch.ledger.claims import claim_check as claim_check
from cxresearch.ledger.consistency import check_consistency as check_consistency
from cxresearch.ledger.figures import published as published
from cxresearch.pipeline.project import init_project as init_project
from cxresearch.reconstruction.api import fit_report as fit_report
from cxresearch.reconstruction.api import reconstruct as reconstruct
from cxresearch.reconstruction.ensemble import reconstruct_many as reconstruct_many
from cxresearch.report.charts.bars import agreement_bars as agreement_bars
from cxresearch.report.charts.bars import estimate_bars as estimate_bars
from cxresearch.report.charts.bars import forest_plot as forest_plot
from cxresearch.report.charts.bars import published_vs_reproduced as published_vs_reproduced
from cxresearch.report.charts.bars import stacked_bars as stacked_bars
from cxresearch.report.charts.bars import wave_comparison as wave_comparison
from cxresearch.report.charts.drivers import driver_heatmap as driver_heatmap
from cxresearch.report.charts.drivers import importance_performance as importance_performance
from cxresearch.report.charts.tracking import tracking_chart as tracking_chart
from cxresearch.report.output.banners import save_banner as save_banner
from cxresearch.report.output.deck import save_deck as save_deck
from cxresearch.report.output.save import save_figure as save_figure
from cxresearch.report.output.save import save_table as save_table
from cxresearch.report.output.tables import show_table as show_table
from cxresearch.report.style import theme as theme
from cxresearch.sampling.design import Design as Design
from cxresearch.statistics.banner.build import banner as banner
from cxresearch.statistics.design.results import warnings_as_notes as warnings_as_notes
from cxresearch.statistics.design.weighting import rake as rake
from cxresearch.statistics.design.weighting import trim_weights as trim_weights
from cxresearch.statistics.design.weighting import weight_summary as weight_summary
from cxresearch.statistics.estimates.indices import bottom_box as bottom_box
from cxresearch.statistics.estimates.indices import csat as csat
from cxresearch.statistics.estimates.indices import likert_index as likert_index
from cxresearch.statistics.estimates.indices import nps as nps
from cxresearch.statistics.estimates.indices import top_box as top_box
from cxresearch.statistics.estimates.means import mean as mean
from cxresearch.statistics.estimates.means import proportion as proportion
from cxresearch.statistics.estimates.means import proportion_ci as proportion_ci
from cxresearch.statistics.estimates.means import total as total
from cxresearch.statistics.estimates.recommend import NpsCutoffs as NpsCutoffs
from cxresearch.statistics.estimates.recommend import nps_code as nps_code
from cxresearch.statistics.estimates.recommend import nps_cutoffs as nps_cutoffs
from cxresearch.statistics.models.drivers import key_drivers as key_drivers
from cxresearch.statistics.models.regression import regress as regress
from cxresearch.statistics.relationships.contingency import crosstab_test as crosstab_test
from cxresearch.statistics.relationships.contingency import two_by_two as two_by_two
from cxresearch.statistics.relationships.groups import compare_groups as compare_groups
from cxresearch.statistics.relationships.multiplicity import TestFamily as TestFamily
from cxresearch.statistics.relationships.multiplicity import adjust_pvalues as adjust_pvalues
from cxresearch.statistics.relationships.ordinal import ordinal_logit as ordinal_logit
from cxresearch.statistics.relationships.reliability import reliability as reliability
from cxresearch.statistics.tracking.track import track as track
from cxresearch.waves.engine import EngineWave as EngineWave
from cxresearch.waves.storage import Wave as Wave
from cxresearch.waves.storage import load_wave as load_wave

__all__: list[str]
