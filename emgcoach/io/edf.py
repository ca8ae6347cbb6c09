"""EDF+/BDF+ export and EDF/EDF+/BDF/BDF+ reading (through pyedflib): the rules, and the public names.

The code is in edf_writer.py (`write_edf`, `choose_format`), edf_reader.py (`read_edf`) and
edf_annotations.py (markers as annotation texts and back).

Writing (`write_edf`)
---------------------
* One EDF signal per channel, across all streams, in stream order. Label 'EMG lat L' style (<= 16 chars,
  unique), transducer 'surface EMG electrode', physical dimension 'uV'.
* Physical range: symmetric, +-ceil(1.05 * max|x|) in whole µV (at least 1 µV), so the 8-character header
  field holds it exactly and the quantisation step is known: step = 2*pmax / (2^16-1) for EDF,
  2*pmax / (2^24-1) for BDF. Samples are converted to digital values here, rounded to nearest, so the
  written error is at most step/2. Non-finite samples are written as 0.
* fmt='auto' rule: BDF when any stream says StreamInfo.extra['resolution_bits'] > 16, or when the EDF
  step for some channel's range would exceed 0.05 µV (i.e. max|x| above ~1560 µV); EDF otherwise.
* Data-record duration: the shortest duration D (string of <= 8 chars, 0.001..60 s) for which every stream's
  rate * D is a whole number (1 s for integer rates; 10 s for e.g. 1150.3 Hz). When no such D exists
  (e.g. 1150.37 Hz), D is the candidate among 1, 2, 5, 10, 20, 30, 60 s that makes the rate written
  (round(rate*D)/D) closest to the true rate; the relative error is then below 1/(2*rate*D) (< 8e-6
  at 1 kHz, D=60 s).
* Time: the file starts at the earliest stream t0 (the session-clock value is kept in the recording
  field as 't0=<s>' and read back into RecordedStream.t0). A stream starting later is preceded by zeros
  and a 'gap' annotation. Gaps (RecordedStream.gaps) are written as zeros at their true position with a
  'gap' annotation of the gap's duration, so no sample is shifted. The last data record is padded with
  zeros (at most one record); that padding is not annotated.
* Markers become EDF+ annotations: onset in s from the file start (0.1 ms resolution), duration from
  payload['duration_s'] if present else -1 (none), text the marker's JSON as in XDF (io/marker_text.py:
  '{"kind": "rep", "n": 1, ...}', ASCII, so never EDF+'s delimiter bytes 0x00/0x14/0x15). A stream gap's
  annotation is '{"kind": "gap", "stream": <index>, "n": <samples>}' ('"text": "start"' for a later
  start). A text longer than 40 bytes (the EDF+ writer's limit) goes on in further annotations at the
  same onset that start with '+' (cut before a space where one is in reach); the reader joins them back,
  so every marker and its whole payload round-trip. edflib holds one annotation per annotation signal
  of a data record, so the file gets as many annotation signals as the pieces need, up to edflib's 64;
  beyond that (captured packets, tens a second, overflow it) the markers that do not fit whole are left
  out, with a logged warning. Markers before the file start cannot be stored in EDF+ and are
  dropped.
* Patient and recording fields are pseudonymous: patient 'X X X X', equipment 'emgcoach <device kinds>'.
* The file is written under a temporary name next to the target and renamed on success; on any error
  (including one raised by `progress`) the temporary file is removed and the target is left untouched.

Reading (`read_edf`)
--------------------
One RecordedStream per sample rate (in order of first appearance); roles from labels or overrides;
'uV'/'µV'/'mV'/'V'/'nV' converted to µV (signals with other dimensions, e.g. accelerometers, are skipped,
an empty dimension is taken as µV, or as the reader's `unit`); annotations become Markers (continuations
joined; our JSON text, or the '<kind> key=value ...' text of files written before it; other tools'
annotations become 'note' markers with their text). Every problem is an InputError naming the file.
"""

from __future__ import annotations

from emgcoach.io.edf_reader import read_edf
from emgcoach.io.edf_writer import choose_format, write_edf

__all__ = ["choose_format", "read_edf", "write_edf"]
