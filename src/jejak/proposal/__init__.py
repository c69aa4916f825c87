"""Settings proposed from the data (``jejak init --from FILE...``): the column mapping,
the file's dialect and time format, and the event roles, as a commented jejak.yaml."""

from jejak.proposal.files import FileProposal
from jejak.proposal.settings import SettingsProposal, propose_settings

__all__ = ["FileProposal", "SettingsProposal", "propose_settings"]
