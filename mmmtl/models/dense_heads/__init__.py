from .base_reid_head import BaseReIDHead
from .ce_head import CEHead
from .double_branch_cls_head import DoubleBranchClsHead
from .double_branch_reg_head import DoubleBranchRegHead
from .joint_branch_head import JointBranchHead
from .shared_branch_head import SharedBranchHead
from .triple_branch_head import TripleBranchHead

__all__ = [
    'BaseReIDHead', 'CEHead', 'DoubleBranchClsHead', 'DoubleBranchRegHead',
    'JointBranchHead', 'SharedBranchHead', 'TripleBranchHead'
]
