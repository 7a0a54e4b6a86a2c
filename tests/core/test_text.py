from hypothesis import given
from hypothesis import strategies as st

from guideaudit.text import clean, is_blank, says_none


def test_clean_folds_what_portals_publish():
    assert clean("２:００－５:３０") == "2:00-5:30"
    assert clean("0777—6428820") == "0777-6428820"
    assert clean("a&amp;nbsp;b<br/>c\x07") == "a b\nc"
    assert clean("④⑤⑥号窗口") == "456号窗口"


def test_none_and_blank():
    assert says_none("无") and says_none(" 暂无。") and not says_none("无线下办理窗口")
    assert is_blank("  <br> ") and not is_blank("0")


@given(st.text())
def test_clean_never_raises(text):
    assert isinstance(clean(text), str)
