from meshaid.node.daemon.channel_manners import BUSY_GAP, ChannelManners


def test_a_quiet_or_unknown_channel_is_not_held() -> None:
    manners = ChannelManners()
    for util in (None, 0.0, 24.9):
        assert manners.may_send(util, 0.0)
        manners.sent(util, 0.0)
        assert manners.wait(util, 0.0) is None


def test_a_busy_channel_gets_one_frame_per_gap() -> None:
    manners = ChannelManners()
    assert manners.may_send(30.0, 100.0)
    manners.sent(30.0, 100.0)
    assert not manners.may_send(30.0, 101.0)
    assert manners.wait(30.0, 101.0) == BUSY_GAP - 1.0
    assert manners.may_send(30.0, 100.0 + BUSY_GAP)


def test_a_saturated_channel_gets_nothing_until_it_calms_down() -> None:
    manners = ChannelManners()
    assert not manners.may_send(40.0, 0.0)
    assert manners.wait(45.0, 0.0) == BUSY_GAP
    assert manners.may_send(10.0, 1.0)
